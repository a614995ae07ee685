job "calls" {
  meta = {
    unknown  = tolower("X")
    arity    = upper("a", "b")
    argtype  = abs("x")
    divide   = 1 / 0
    element  = element([], 0)
    json     = jsondecode("{not json")
    rsa      = rsadecrypt("abc", "key")
    file     = file("no/such/file.txt")
    format   = format("%d", "x")
    cidr     = cidrhost("not-a-cidr", 1)
    try      = try(local.nope, var.nope)
  }
}

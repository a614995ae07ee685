# hcl-edit rejects a repeated attribute while parsing, so this is a syntax error.
job "dup" {
  group "g" {
    count = 1
    count = 2
  }
}

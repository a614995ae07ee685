# Every function Nomad's HCL2 parser offers, each at least once.
job "functions" {
  group "g" {
    task "t" {
      driver = "exec"

      config {
        # Numeric
        abs      = abs(-3.5)
        ceil     = ceil(1.2)
        floor    = floor(1.8)
        log      = log(8, 2)
        max      = max(3, 9, 1)
        min      = min(3, 9, 1)
        parseint = parseint("ff", 16)
        pow      = pow(2, 10)
        signum   = signum(-7)

        # String
        chomp         = chomp("line\n\n")
        format        = format("%s has %03d items, %.1f%%", "cart", 7, 99.5)
        formatlist    = formatlist("%s=%d", ["a", "b"], [1, 2])
        indent        = indent(2, "a\nb")
        join          = join("-", ["a", "b"], ["c"])
        lower         = lower("HeLLo")
        upper         = upper("hello")
        regex_replace = regex_replace("web-01.example", "[0-9]+", "NN")
        replace       = replace("a.b.c", ".", "/")
        split         = split(",", "a,b,c")
        strlen        = strlen("héllo")
        strrev        = strrev("abc")
        substr        = substr("hello world", 6, -1)
        title         = title("hello nomad world")
        trim          = trim("?!hello?!", "?!")
        trimprefix    = trimprefix("nomad-web", "nomad-")
        trimsuffix    = trimsuffix("web.hcl", ".hcl")
        trimspace     = trimspace("  spaced  ")

        # Collections
        chunklist       = chunklist([1, 2, 3, 4, 5], 2)
        coalesce        = coalesce("", null, "first")
        coalescelist    = coalescelist([], ["x"])
        compact         = compact(["a", "", "b"])
        concat          = concat([1], [2, 3])
        contains        = contains(["a", "b"], "b")
        distinct        = distinct([1, 2, 1, 3, 2])
        element         = element(["a", "b", "c"], 4)
        flatten         = flatten([[1, [2]], [3]])
        index           = index(["a", "b", "c"], "c")
        keys            = keys({ b = 1, a = 2 })
        length          = length({ a = 1, b = 2 })
        lookup          = lookup({ a = "x" }, "b", "default")
        merge           = merge({ a = 1, b = 2 }, { b = 3 })
        range           = range(1, 10, 3)
        reverse         = reverse([1, 2, 3])
        setintersection = setintersection(["a", "b", "c"], ["b", "c", "d"])
        setproduct      = setproduct(["a", "b"], [1, 2])
        setunion        = setunion(["a"], ["b", "a"])
        slice           = slice(["a", "b", "c", "d"], 1, 3)
        sort            = sort(["c", "a", "b"])
        values          = values({ b = 1, a = 2 })
        zipmap          = zipmap(["a", "b"], [1, 2])

        # Encoding
        base64decode = base64decode("aGVsbG8=")
        base64encode = base64encode("hello")
        csvdecode    = csvdecode("name,port\nweb,80\napi,8080\n")
        jsondecode   = jsondecode("{\"a\": [1, true, null]}")
        jsonencode   = jsonencode({ b = [1, "x"], a = true })
        urlencode    = urlencode("a b&c=d/é")
        yamldecode   = yamldecode("a: 1\nb:\n  - x\n  - true\n")
        yamlencode   = yamlencode({ b = ["x", 1], a = { c = true } })

        # Hashes and identifiers
        md5            = md5("hello")
        sha1           = sha1("hello")
        sha256         = sha256("hello")
        sha512         = sha512("hello")
        bcrypt_version = substr(bcrypt("hello", 4), 0, 7)
        uuidv4_length  = length(uuidv4())
        uuidv5         = uuidv5("dns", "example.com")

        # Network and time
        cidrhost    = cidrhost("10.12.112.0/20", 16)
        cidrnetmask = cidrnetmask("172.16.0.0/12")
        cidrsubnet  = cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)
        cidrsubnets = cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)
        formatdate  = formatdate("DD MMM YYYY hh:mm ZZZ", "2018-01-02T23:12:01Z")
        timeadd     = timeadd("2017-11-22T00:00:00Z", "10m")

        # Type conversion and error handling
        convert = convert("5", number)
        can     = can(index(["a"], "z"))
        try     = try(lookup({}, "missing"), "fallback")

        # Filesystem functions are in hcl2-file.nomad.hcl; rsadecrypt is refused
        # (invalid/hcl2-function-errors.nomad.hcl).
      }
    }
  }
}

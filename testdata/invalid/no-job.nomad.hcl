# No job here: a typo at the top level.
jbo "oops" {
  group "g" {}
}

region = "global"

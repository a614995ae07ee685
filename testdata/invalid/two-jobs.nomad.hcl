job "one" {}

job "two" {}

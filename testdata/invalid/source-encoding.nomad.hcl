# Latin-1, not UTF-8: the first invalid byte is reported.
job "café" {
  meta {
    owner = "Renée"
  }
}

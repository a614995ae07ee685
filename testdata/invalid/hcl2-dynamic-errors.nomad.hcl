job "dyn" {
  group "g" {
    network {
      dynamic "port" {
        for_each = "not a collection"
        content {}
      }

      dynamic "portt" {
        for_each = ["a"]
        labels   = [portt.value]
        content {}
      }

      dynamic "port" {
        content {}
      }
    }
  }
}

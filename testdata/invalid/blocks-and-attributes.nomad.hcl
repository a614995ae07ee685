job "shapes" {
  update = {
    max_parallel = 1
  }

  group "g" {
    count {
      value = 1
    }

    service {
      meta = {
        a = "b"
      }

      connect = {}
    }
  }
}

job "exprs" {
  group "g" {
    count = max(1, 2)

    task "t" {
      driver = upper("docker")
    }
  }
}

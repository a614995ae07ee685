# `dynamic` blocks that expand past the block limit set beside it (limit-dynamic.limits).
job "web" {
  group "api" {
    dynamic "task" {
      for_each = range(20)
      labels   = ["task-${task.value}"]
      content {
        driver = "docker"
      }
    }
  }
}

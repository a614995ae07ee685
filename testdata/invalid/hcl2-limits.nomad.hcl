# Evaluation is bounded: a billion-element range is refused, not built.
job "limits" {
  meta = {
    huge   = length(range(1000000000))
    repeat = join("", [for i in range(50000) : "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"])
    nested = [for i in range(20000) : [for j in range(20000) : j]]
  }
}

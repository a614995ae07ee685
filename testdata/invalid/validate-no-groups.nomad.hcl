# A job must have a group.
job "nothing" {
  datacenters = ["dc1"]
}

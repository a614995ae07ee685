image_tag   = "1.4.2"
count       = 3
datacenters = ["dc1", "dc2"]

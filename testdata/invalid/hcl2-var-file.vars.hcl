count = "three"
cuont = 3

ھܾ {
abss = ھ
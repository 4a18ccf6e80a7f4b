// Prints the log relative error (LRE) table of reconcile's estimates against NIST StRD.
print("nist-lre: not yet implemented")

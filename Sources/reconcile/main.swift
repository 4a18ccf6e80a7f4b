print("reconcile: under construction")

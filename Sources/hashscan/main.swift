print("hashscan")

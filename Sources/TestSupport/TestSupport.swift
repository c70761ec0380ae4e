// TestSupport target.

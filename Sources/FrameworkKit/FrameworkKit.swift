// FrameworkKit target.

"""Infrastructure components composed by TapStack."""

"""Plain NumPy/Python versions of every seenit kernel: slow, simple, obviously
correct. They are the specification the native kernels are tested against."""

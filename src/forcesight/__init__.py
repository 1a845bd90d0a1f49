"""forcesight."""

"""The core's speed machinery: reusable buffers, the worker thread, column sums."""

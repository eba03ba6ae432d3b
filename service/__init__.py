"""Service: retrieve passages, answer from them, and serve it all over HTTP."""

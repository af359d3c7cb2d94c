"""Pure normalizers: tool output text -> findings plus an outcome."""

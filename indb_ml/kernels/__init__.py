"""Pure numpy kernels: the math of accumulate / merge / finalize, no SQL, no plpy."""

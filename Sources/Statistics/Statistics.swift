// Statistics module.

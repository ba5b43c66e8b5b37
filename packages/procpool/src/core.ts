// The whole of @procpool/core (Python's multiprocessing), as procpool/core.
export * from '@procpool/core';

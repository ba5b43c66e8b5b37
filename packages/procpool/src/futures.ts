// The whole of @procpool/futures (Python's concurrent.futures), as procpool/futures.
export * from '@procpool/futures';

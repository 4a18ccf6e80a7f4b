// NIST StRD reference files: parsing of data, certified values and starting points.

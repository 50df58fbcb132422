// Keeps the vecdex_testing target non-empty before helpers exist.

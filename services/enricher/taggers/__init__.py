"""Pure taggers: each reads text and returns values, with no I/O and nothing downloaded."""

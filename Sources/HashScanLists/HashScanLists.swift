// List formats, parsing and matchers.

"""Getting evidence in from elsewhere: published inspection reports, written out as evidence sets."""

"""Audio in: decoding, speech activity, crosstalk, mono voice separation, the segmentation model."""

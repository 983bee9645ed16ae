// Image format sniffing, decoders, orientation, pixel limits and luma planes live here.

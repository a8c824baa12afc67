// placeholder (lead): remove once module has files

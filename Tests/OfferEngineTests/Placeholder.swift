// placeholder (lead)

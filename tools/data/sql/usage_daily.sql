SELECT installation_id, day AS t, import_wh, minutes, month FROM usage_daily

SELECT installation_id, ts AS t, import_wh, interval_min AS minutes, month FROM load_profile

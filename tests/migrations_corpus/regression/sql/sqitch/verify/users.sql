SELECT id FROM app_users WHERE false;

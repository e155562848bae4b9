"""Checking the dataset directories configured in the settings, with one clear error."""


def require_setting_path(env, setting: str) -> str:
    """Return ``env.<setting>``; raise ``SettingsError`` naming the setting and its env var when unset or missing.

    args:
        env: The settings object (``env_settings()``); a user's own settings class may lack ``require_path``.
        setting: Attribute name, e.g. ``'otb_path'``.
    """
    if hasattr(env, 'require_path'):
        return env.require_path(setting)
    from ltr.admin.env_overrides import require_path
    from pytracking.evaluation.environment import ENV_PREFIX, LOCAL_FILE
    return require_path(env, setting, ENV_PREFIX, LOCAL_FILE)

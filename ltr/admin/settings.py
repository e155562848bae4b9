"""Training settings object handed to a ``train_settings`` module's ``run(settings)``."""
from ltr.admin.environment import env_settings


class Settings:
    """Training settings; ``env`` holds the paths of ``ltr/admin/local.py``."""

    def __init__(self):
        self.set_default()

    def set_default(self) -> None:
        self.env = env_settings()
        self.use_gpu = True

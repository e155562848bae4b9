"""Installation script for the pytracking and ltr packages."""
from setuptools import find_packages, setup

setup(
    name="pytracking",
    version="0.1.0",
    description="Visual object tracking and video object segmentation framework (pytracking + ltr), pure PyTorch",
    packages=find_packages(include=["pytracking", "pytracking.*", "ltr", "ltr.*"]),
    package_data={
        "ltr": ["data_specs/*.txt"],
        "pytracking": ["networks/*.pth*", "networks/README.md", "notebooks/*.ipynb"],
    },
    include_package_data=True,
    python_requires=">=3.9",
    install_requires=[
        "torch>=2.0",
        "torchvision>=0.15",
        "numpy",
        "opencv-python-headless",
        "pandas",
        "matplotlib",
        "tqdm",
        "scipy",
    ],
    extras_require={
        "jpeg": ["jpeg4py"],
        "visdom": ["visdom"],
        "tikz": ["tikzplotlib"],
        "tensorboard": ["tensorboard"],
        "test": ["pytest", "pytest-timeout", "nbclient", "nbformat", "ipykernel", "tensorboard"],
    },
)

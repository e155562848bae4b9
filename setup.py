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
        "pillow",
        "pandas",
        "matplotlib",
        "tqdm",
        "scipy",
        # COCO annotations for the MSCOCO / MSCOCOSeq training datasets (a dependency of the original too).
        "pycocotools",
    ],
    # No "tikz" extra: tikzplotlib 0.10.1 (its last release) fails to import with matplotlib >= 3.8
    # (backend_pgf.common_texification was removed); pytracking.analysis writes TikZ/pgfplots itself.
    extras_require={
        "jpeg": ["jpeg4py"],
        "visdom": ["visdom"],
        "tensorboard": ["tensorboard"],
        "vot": ["vot-trax"],
        "test": ["pytest", "pytest-timeout", "nbclient", "nbformat", "ipykernel", "tensorboard", "vot-trax"],
    },
)

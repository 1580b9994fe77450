# %% [markdown]
# # lungfield in a notebook
# A classical baseline for a chest X-ray paper: lungs, features, a TB model and its scores,
# all from NumPy. Run cell by cell (VS Code, Jupyter with jupytext) or as a script:
# `python examples/notebook.py DATA` where DATA is a folder in SZ-CXR layout
# (`images/<id>_0.png` normal, `<id>_1.png` TB), e.g. a phantom set from
# `lungfield phantom --count 60 -o phantoms`.

# %%
import sys
from pathlib import Path

import numpy as np

import lungfield

data = Path(sys.argv[1] if len(sys.argv) > 1 else "phantoms")
images = lungfield.find_images(data / "images")
print(f"lungfield {lungfield.__version__}: {len(images)} images in {data}")

# %% One radiograph: pixels, lungs, flags.
image, meta = lungfield.read(images[0])
seg = lungfield.segment(image)  # the built-in lung model; prior=None for none
print(meta, seg)
print("lung pixels:", int((seg.labels > 0).sum()), "of", image.size)

# %% Its features, by name.
feats = lungfield.features(image, seg)
print(len(feats), "features, e.g.", {k: round(v, 3) for k, v in list(feats.items())[:3]})

# %% The whole dataset's features on all cores, as a table (a DataFrame if pandas is here).
table = lungfield.feature_table(data)
try:
    import pandas as pd

    df = pd.DataFrame(table["values"], index=table["ids"], columns=table["names"])
    df["label"] = table["labels"]
    print(df.iloc[:3, :4])
except ImportError:
    print("values:", table["values"].shape, "(install pandas for a DataFrame)")

# %% A TB model, saved, and every image scored with it.
model = lungfield.train(data, trees=100)
model.save("tb.lfm")
scores = model.score_files([str(p) for p in images])
y = np.array([int(p.stem.endswith("_1")) for p in images])
s = np.array([sc.score for sc in scores])
print(model, f"mean score TB {s[y == 1].mean():.1f}, normal {s[y == 0].mean():.1f} (in-sample)")

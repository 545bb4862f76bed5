"""Fill Solara's asset cache from the npm registry, for machines without the CDN.

Solara's page loads its front end (the Vuetify app, require.js, Font Awesome)
from cdn.jsdelivr.net and caches the files in <venv>/share/solara/cdn. Where
the CDN is unreachable (this project's machines reach only the package
registries), this script takes the same npm packages with `npm pack` from the
npm registry and unpacks them into that cache.

    python scripts/solara_assets.py            # the packages the explorer needs
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# what the pinned solara (requirements.lock) asks the CDN for, with ipyvue < 3 (Vue 2):
# Mesa's grid layout does not render with the Vue 3 stack
PACKAGES = [
    "@widgetti/solara-vuetify-app@10.1.1",
    "requirejs@2.3.6",
    "font-awesome@4.5.0",
    "@widgetti/vue-grid-layout@2.3.13-alpha.2",
    "mermaid@10.8.0",
    "katex@0.16.9",
]


def cache_dir() -> Path:
    import solara.server.settings

    return Path(solara.server.settings.assets.proxy_cache_dir)


def fetch(spec: str, cache: Path) -> bool:
    target = cache / spec
    if target.is_dir() and any(target.iterdir()):
        return False
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(["npm", "pack", spec, "--silent", "--pack-destination", tmp],
                             capture_output=True, text=True, check=True)
        tarball = Path(tmp) / out.stdout.strip().splitlines()[-1]
        with tarfile.open(tarball) as tar:
            for member in tar.getmembers():
                if not member.isfile() or not member.name.startswith("package/"):
                    continue
                dest = target / member.name[len("package/"):]
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(tar.extractfile(member).read())
    return True


def main(specs: list[str]) -> None:
    cache = cache_dir()
    for spec in specs or PACKAGES:
        print(f"{spec}: {'fetched' if fetch(spec, cache) else 'already cached'} -> {cache / spec}")


if __name__ == "__main__":
    main(sys.argv[1:])

#!/usr/bin/env bash
# On a published release: checks that its tag is a semantic version matching package.json, then moves
# the major tag (v1 for v1.4.2) to it, so `uses: org/mlload-action@v1` gets the release. A pre-release
# (v2.0.0-rc.1) moves nothing. Usage: scripts/release-tags.sh TAG [REMOTE]
set -euo pipefail
tag=${1:?usage: release-tags.sh TAG [REMOTE]}
remote=${2:-origin}
semver='^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$'
if ! [[ $tag =~ $semver ]]; then
  echo "release-tags: $tag is not a semantic version tag (vMAJOR.MINOR.PATCH)" >&2
  exit 1
fi
major="v${BASH_REMATCH[1]}"
prerelease=${BASH_REMATCH[4]}
version=$(node -p 'require("./package.json").version')
if [ "v$version" != "$tag" ]; then
  echo "release-tags: the tag $tag is not package.json's version ($version): bump it first" >&2
  exit 1
fi
commit=$(git rev-parse "$tag^{commit}")
if [ -n "$prerelease" ]; then
  echo "release-tags: $tag is a pre-release: $major stays where it is"
  exit 0
fi
git tag --force "$major" "$commit"
git push --force "$remote" "refs/tags/$major"
echo "release-tags: $major now points at $tag ($commit)"

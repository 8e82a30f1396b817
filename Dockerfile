# The mlload CLI as an image, for Kubernetes Jobs and other places outside GitHub Actions:
#   docker build -t mlload .
#   docker build -t mlload https://github.com/org/mlload-action.git#v1      (a release, no checkout needed)
#   docker run --rm --network host -v "$PWD:/work" mlload run perf.yml --out /work/results
# NODE_IMAGE: any image with Node 24 or newer at /usr/local/bin/node. The tests build one FROM scratch from the
# machine's own node (no registry there).
ARG NODE_IMAGE=node:24-slim
FROM ${NODE_IMAGE}
# dist/ is the whole CLI, bundled: no npm install in the image.
COPY dist/ /opt/mlload/dist/
WORKDIR /work
# The node image's unprivileged user; a Pod's fsGroup: 1000 lets it write a mounted volume.
USER 1000:1000
ENTRYPOINT ["/usr/local/bin/node", "/opt/mlload/dist/cli/index.js"]
CMD ["--help"]

// Package shiptest checks what Periscope ships: the Kubernetes manifests and
// Helm values (offline, against the Kubernetes API types and the chart's
// values), the OCI image and the release archives. `make ship-test` runs it
// with the paths of freshly built artifacts.
package shiptest

{{/* Chart name, overridable. */}}
{{- define "pullthrough.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: the prefix of every resource name, and the exact name the server is told for its
Service, Secret (`<fullname>-tls`) and MutatingWebhookConfiguration. Kept to 52 characters so that
the longest derived name (`<fullname>-selfsigned`) still fits in 63.
*/}}
{{- define "pullthrough.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "pullthrough.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "pullthrough.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pullthrough.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: webhook
{{- end }}

{{- define "pullthrough.labels" -}}
helm.sh/chart: {{ include "pullthrough.chart" . }}
{{ include "pullthrough.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "pullthrough.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "pullthrough.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret holding the serving certificate, whichever path manages it. */}}
{{- define "pullthrough.tlsSecretName" -}}
{{- printf "%s-tls" (include "pullthrough.fullname" .) }}
{{- end }}

{{- define "pullthrough.image" -}}
{{- $ref := printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- if .Values.image.digest }}
{{- $ref = printf "%s@%s" $ref .Values.image.digest }}
{{- end }}
{{- $ref }}
{{- end }}

{{/*
True (non-empty) when the server runs in this cluster, i.e. webhook.url is not set. With a URL the
server runs elsewhere and the chart renders only the webhook configuration and the ConfigMap.
*/}}
{{- define "pullthrough.inCluster" -}}
{{- if not .Values.webhook.url }}true{{ end }}
{{- end }}

{{/* True (non-empty) when the server manages its own certificate (the default path). */}}
{{- define "pullthrough.selfManagedCerts" -}}
{{- if and (include "pullthrough.inCluster" .) (not .Values.certManager.enabled) }}true{{ end }}
{{- end }}

{{/*
Reject combinations the schema cannot express. Included by every always-rendered template so that
`helm template` fails whatever is rendered.
*/}}
{{- define "pullthrough.validate" -}}
{{- if and .Values.webhook.url .Values.certManager.enabled }}
{{- fail "webhook.url and certManager.enabled are exclusive: with webhook.url the server runs outside the cluster and webhook.caBundle supplies its CA" }}
{{- end }}
{{- if and .Values.webhook.caBundle (not .Values.webhook.url) }}
{{- fail "webhook.caBundle is used only with webhook.url; in the cluster the caBundle is filled by the server (self-managed) or by cert-manager" }}
{{- end }}
{{- if and (hasKey .Values.podDisruptionBudget "minAvailable") (hasKey .Values.podDisruptionBudget "maxUnavailable") }}
{{- fail "podDisruptionBudget: set at most one of minAvailable and maxUnavailable" }}
{{- end }}
{{- $verify := default (dict) .Values.config.verify }}
{{- if and (hasKey $verify "credentialsSecret") (hasKey $verify "credentialsFile") }}
{{- fail "config.verify: set credentialsSecret or credentialsFile, not both" }}
{{- end }}
{{- if .Values.verifyCredentialsSecret }}
{{- if .Values.webhook.url }}
{{- fail "verifyCredentialsSecret mounts a Secret into the chart's webhook Pods; with webhook.url the server runs elsewhere: set config.verify.credentialsFile for it instead" }}
{{- end }}
{{- if or (hasKey $verify "credentialsSecret") (hasKey $verify "credentialsFile") }}
{{- fail "verifyCredentialsSecret sets config.verify.credentialsFile itself: leave config.verify.credentialsFile and config.verify.credentialsSecret unset" }}
{{- end }}
{{- end }}
{{- if .Values.secretSync.enabled }}
{{- $target := include "pullthrough.secretSyncTargetName" . }}
{{- if not (has $target (include "pullthrough.pullSecretNames" . | fromJsonArray)) }}
{{- fail (printf "secretSync: the copies are named %q, but no Pod gets that pull secret: add it to config.pullSecrets (or a rule's pullSecrets), or set secretSync.targetName to one of them" $target) }}
{{- end }}
{{- if and (not .Values.secretSync.serviceAccount.create) (not .Values.secretSync.serviceAccount.name) }}
{{- fail "secretSync.serviceAccount.name is required when secretSync.serviceAccount.create is false" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Every pull secret name the webhook can inject: config.pullSecrets and each rule's, as a JSON list. */}}
{{- define "pullthrough.pullSecretNames" -}}
{{- $names := list }}
{{- range .Values.config.pullSecrets }}{{ $names = append $names . }}{{ end }}
{{- range .Values.config.rules }}{{ range .pullSecrets }}{{ $names = append $names . }}{{ end }}{{ end }}
{{- toJson ($names | uniq) }}
{{- end }}

{{/* Where verifyCredentialsSecret is mounted in the webhook Pods (the projected /etc/pullthrough volume). */}}
{{- define "pullthrough.verifyCredentialsFile" -}}
/etc/pullthrough/registry/.dockerconfigjson
{{- end }}

{{/*
The configuration file: config as given, with mode, and with verify.credentialsFile pointing at the
mounted verifyCredentialsSecret when that is set.
*/}}
{{- define "pullthrough.configFile" -}}
{{- $config := deepCopy .Values.config }}
{{- if .Values.verifyCredentialsSecret }}
{{- $verify := deepCopy (default (dict) $config.verify) }}
{{- $_ := set $verify "credentialsFile" (include "pullthrough.verifyCredentialsFile" .) }}
{{- $_ := set $config "verify" $verify }}
{{- end }}
mode: {{ .Values.mode }}
{{ toYaml $config }}
{{- end }}

{{/* Secret sync (secretSync.enabled): names and labels of its Deployment, ServiceAccount and Lease. */}}
{{- define "pullthrough.secretSyncName" -}}
{{- printf "%s-secret-sync" (include "pullthrough.fullname" .) }}
{{- end }}

{{- define "pullthrough.secretSyncSelectorLabels" -}}
app.kubernetes.io/name: {{ include "pullthrough.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: secret-sync
{{- end }}

{{- define "pullthrough.secretSyncLabels" -}}
helm.sh/chart: {{ include "pullthrough.chart" . }}
{{ include "pullthrough.secretSyncSelectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "pullthrough.secretSyncServiceAccountName" -}}
{{- if .Values.secretSync.serviceAccount.create }}
{{- default (include "pullthrough.secretSyncName" .) .Values.secretSync.serviceAccount.name }}
{{- else }}
{{- .Values.secretSync.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "pullthrough.secretSyncSourceNamespace" -}}
{{- default .Release.Namespace .Values.secretSync.source.namespace }}
{{- end }}

{{- define "pullthrough.secretSyncTargetName" -}}
{{- default .Values.secretSync.source.name .Values.secretSync.targetName }}
{{- end }}

{{/*
The namespaces never sent to pullthrough: kube-system and the release namespace always, merged with
the user's excludedNamespaces (as gatekeeper does), so that no value can remove them.
*/}}
{{- define "pullthrough.excludedNamespaces" -}}
{{- $names := concat (list "kube-system" .Release.Namespace) .Values.excludedNamespaces | uniq }}
{{- toJson $names }}
{{- end }}

{{/*
namespaceSelector of one webhook. Called with (dict "root" $ "values" (list ...)) where values are
the `pullthrough.io/rewrite` namespace label values, and "operator" is In or NotIn.
NotIn also matches namespaces without the label, In only those carrying one of the values.
*/}}
{{- define "pullthrough.namespaceSelector" -}}
matchExpressions:
  - key: kubernetes.io/metadata.name
    operator: NotIn
    values: {{ include "pullthrough.excludedNamespaces" .root }}
  - key: pullthrough.io/rewrite
    operator: {{ .operator }}
    values: {{ toJson .values }}
{{- end }}

{{/*
Where each webhook sends a namespace, from scope x mode (see README.md, "How the selectors work"):

  scope    mode     /mutate                        /audit
  cluster  enforce  label NotIn [disabled, audit]  label In [audit]
  opt-in   enforce  label In [enabled]             label In [audit]
  cluster  audit    (not rendered)                 label NotIn [disabled]
  opt-in   audit    (not rendered)                 label In [enabled, audit]

Each selector also excludes the mandatory and user namespaces by name.
*/}}
{{- define "pullthrough.mutateNamespaceSelector" -}}
{{- if eq .Values.scope "cluster" }}
{{- include "pullthrough.namespaceSelector" (dict "root" . "operator" "NotIn" "values" (list "disabled" "audit")) }}
{{- else }}
{{- include "pullthrough.namespaceSelector" (dict "root" . "operator" "In" "values" (list "enabled")) }}
{{- end }}
{{- end }}

{{- define "pullthrough.auditNamespaceSelector" -}}
{{- if eq .Values.mode "enforce" }}
{{- include "pullthrough.namespaceSelector" (dict "root" . "operator" "In" "values" (list "audit")) }}
{{- else if eq .Values.scope "cluster" }}
{{- include "pullthrough.namespaceSelector" (dict "root" . "operator" "NotIn" "values" (list "disabled")) }}
{{- else }}
{{- include "pullthrough.namespaceSelector" (dict "root" . "operator" "In" "values" (list "enabled" "audit")) }}
{{- end }}
{{- end }}

{{- /*
One webhook entry, identical for /mutate and /audit except for name, path and namespaceSelector
(which the caller appends). In mode audit the /mutate webhook is not rendered at all, so nothing can
be patched.
*/}}
{{- define "pullthrough.webhook" -}}
{{- $root := .root -}}
{{- /* matchConditions are GA from 1.30; without them every Pod update (labels, annotations) would
reach the webhook, so Pod UPDATEs are registered only where the images can be compared first. */ -}}
{{- $conditions := and $root.Values.webhook.matchConditions.enabled (semverCompare ">=1.30.0-0" $root.Capabilities.KubeVersion.Version) -}}
- name: {{ .name }}
  admissionReviewVersions: ["v1"]
  sideEffects: None
  failurePolicy: {{ $root.Values.webhook.failurePolicy }}
  timeoutSeconds: {{ $root.Values.webhook.timeoutSeconds }}
  # Called again when a later webhook adds a container (a sidecar injector); rewriting is
  # idempotent, so a second call on an already-rewritten Pod yields an empty patch.
  reinvocationPolicy: IfNeeded
  matchPolicy: Equivalent
  clientConfig:
    {{- if $root.Values.webhook.url }}
    url: {{ printf "%s%s" (trimSuffix "/" $root.Values.webhook.url) .path | quote }}
    {{- with $root.Values.webhook.caBundle }}
    caBundle: {{ . | quote }}
    {{- end }}
    {{- else }}
    # caBundle is filled in by the server (self-managed certificates: at start and on its periodic
    # check, so a webhook added by an upgrade gets it too) or by cert-manager's cainjector; Helm
    # leaves it alone on upgrade because the chart never renders it.
    service:
      name: {{ include "pullthrough.fullname" $root }}
      namespace: {{ $root.Release.Namespace }}
      path: {{ .path }}
      port: 443
    {{- end }}
  rules:
    # UPDATE: `kubectl set image pod/...` changes a running Pod's image (only with matchConditions).
    - apiGroups: [""]
      apiVersions: ["v1"]
      operations: {{ if $conditions }}["CREATE", "UPDATE"]{{ else }}["CREATE"]{{ end }}
      resources: ["pods"]
      scope: Namespaced
    # kubectl debug adds ephemeral containers through this subresource.
    - apiGroups: [""]
      apiVersions: ["v1"]
      operations: ["UPDATE"]
      resources: ["pods/ephemeralcontainers"]
      scope: Namespaced
  # Per-Pod opt-out; NotIn also matches Pods without the label.
  objectSelector:
    matchExpressions:
      - key: pullthrough.io/rewrite
        operator: NotIn
        values: ["disabled"]
  {{- if $conditions }}
  matchConditions:
    # Mirror Pods reflect static Pods of a kubelet, which owns their spec: never touch them.
    - name: not-a-mirror-pod
      expression: "!has(object.metadata.annotations) || !('kubernetes.io/config.mirror' in object.metadata.annotations)"
    # Of the updates, only those that change an image: a container's or init container's (a Pod
    # UPDATE) or the ephemeral containers (the pods/ephemeralcontainers subresource). Label,
    # annotation and other updates never reach the webhook. `image` is optional in the schema: an
    # unguarded `c.image` on an update that drops it is a CEL error (with failurePolicy Fail, a
    # rejection naming the expression instead of the API server's own validation message).
    - name: image-changed-on-update
      expression: >-
        request.operation != 'UPDATE'
        || object.spec.containers.map(c, has(c.image) ? c.image : '')
        != oldObject.spec.containers.map(c, has(c.image) ? c.image : '')
        || (has(object.spec.initContainers) ? object.spec.initContainers.map(c, has(c.image) ? c.image : '') : [])
        != (has(oldObject.spec.initContainers) ? oldObject.spec.initContainers.map(c, has(c.image) ? c.image : '') : [])
        || (has(object.spec.ephemeralContainers) ? object.spec.ephemeralContainers.map(c, c.name) : [])
        != (has(oldObject.spec.ephemeralContainers) ? oldObject.spec.ephemeralContainers.map(c, c.name) : [])
  {{- end }}
{{- end }}

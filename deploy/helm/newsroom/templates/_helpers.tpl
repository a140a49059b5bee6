{{/* The release's base name, at most 63 characters (a DNS label). */}}
{{- define "newsroom.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The name of one component's objects: <release>-<component>. */}}
{{- define "newsroom.componentName" -}}
{{- printf "%s-%s" (include "newsroom.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "newsroom.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "newsroom.labels" -}}
{{ include "newsroom.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "newsroom.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "newsroom.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "newsroom.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* One secret reference: (dict "root" $ "key" "databaseUrl"). */}}
{{- define "newsroom.secretRef" -}}
valueFrom:
  secretKeyRef:
    name: {{ required "secrets.existingSecret is required" .root.Values.secrets.existingSecret }}
    key: {{ index .root.Values.secrets.keys .key }}
{{- end -}}

{{/* The environment every process gets: addresses, ports, secrets by reference. */}}
{{- define "newsroom.env" -}}
- name: NEWSROOM_ENV
  value: {{ .Values.environment | quote }}
- name: NEWSROOM_HOST
  value: "0.0.0.0"
- name: NEWSROOM_KAFKA_BOOTSTRAP
  value: {{ required "kafka.bootstrap is required" .Values.kafka.bootstrap | quote }}
- name: NEWSROOM_TOPIC_PARTITIONS
  value: {{ .Values.kafka.topics.partitions | quote }}
- name: NEWSROOM_METRICS_PORT
  value: {{ .Values.metricsPort | quote }}
- name: NEWSROOM_METRICS_HOST
  value: "0.0.0.0"
{{- range $name, $svc := .Values.services }}
- name: {{ printf "NEWSROOM_%s_URL" (upper $name) }}
  value: {{ printf "http://%s:%v" (include "newsroom.componentName" (dict "root" $ "component" $name)) $svc.port | quote }}
- name: {{ printf "%s_PORT" (upper $name) }}
  value: {{ $svc.port | quote }}
{{- end }}
- name: NEWSROOM_TRACE_SAMPLE_RATIO
  value: {{ .Values.tracing.sampleRatio | quote }}
{{- with .Values.tracing.endpoint }}
- name: NEWSROOM_OTEL_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- if .Values.redis.clusterNodes }}
- name: NEWSROOM_REDIS_CLUSTER_NODES
  value: {{ .Values.redis.clusterNodes | quote }}
{{- end }}
- name: NEWSROOM_DATABASE_URL
  {{- include "newsroom.secretRef" (dict "root" . "key" "databaseUrl") | nindent 2 }}
- name: NEWSROOM_REDIS_URL
  {{- include "newsroom.secretRef" (dict "root" . "key" "redisUrl") | nindent 2 }}
- name: NEWSROOM_JWT_PUBLIC_KEY
  {{- include "newsroom.secretRef" (dict "root" . "key" "jwtPublicKey") | nindent 2 }}
- name: NEWSROOM_GATEWAY_SECRET
  {{- include "newsroom.secretRef" (dict "root" . "key" "gatewaySecret") | nindent 2 }}
{{- range $key, $value := .Values.extraEnv }}
- name: {{ $key }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}

{{- define "newsroom.podSpecCommon" -}}
serviceAccountName: {{ include "newsroom.serviceAccountName" .root }}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .root.Values.podSecurityContext | nindent 2 }}
{{- with .root.Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .root.Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if .root.Values.topologySpread }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "newsroom.selectorLabels" . | nindent 8 }}
{{- end }}
{{- end -}}

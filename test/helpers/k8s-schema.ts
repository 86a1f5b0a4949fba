// The parts of the Kubernetes API that `sysg export kubernetes` writes, as typebox schemas
// transcribed from the published OpenAPI definitions (io.k8s.api.apps.v1.Deployment,
// io.k8s.api.batch.v1.CronJob, io.k8s.api.core.v1.PodSpec/Container/Probe/SecurityContext/
// ResourceRequirements). Strict: a field the API does not have, or a value of the wrong type,
// fails validation. No network at test time.
import { type TSchema, Type } from "@sinclair/typebox";

const strict = { additionalProperties: false } as const;
const O = Type.Optional;
const Str = Type.String();
const Int = Type.Integer();
/** resource.Quantity: a plain or suffixed number */
const Quantity = Type.String({ pattern: "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$" });
/** DNS-1123 label (metadata.name of these kinds, container names) */
const Dns = Type.String({ pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 63 });
const Labels = Type.Record(Type.String(), Type.String());
const Meta = Type.Object({ name: O(Dns), labels: O(Labels), namespace: O(Str), annotations: O(Labels) }, strict);
const IntOrString = Type.Union([Int, Str]);
const ExecAction = Type.Object({ command: Type.Array(Str) }, strict);

const Probe = Type.Object(
  {
    exec: O(ExecAction),
    tcpSocket: O(Type.Object({ port: IntOrString, host: O(Str) }, strict)),
    httpGet: O(Type.Object({ path: O(Str), port: IntOrString, host: O(Str), scheme: O(Type.Union([Type.Literal("HTTP"), Type.Literal("HTTPS")])) }, strict)),
    initialDelaySeconds: O(Int),
    periodSeconds: O(Int),
    timeoutSeconds: O(Int),
    failureThreshold: O(Int),
    successThreshold: O(Int),
  },
  strict,
);
const Handler = Type.Object({ exec: O(ExecAction) }, strict);
const SecurityContext = Type.Object(
  {
    runAsUser: O(Int),
    runAsGroup: O(Int),
    runAsNonRoot: O(Type.Boolean()),
    allowPrivilegeEscalation: O(Type.Boolean()),
    readOnlyRootFilesystem: O(Type.Boolean()),
    privileged: O(Type.Boolean()),
    capabilities: O(Type.Object({ add: O(Type.Array(Str)), drop: O(Type.Array(Str)) }, strict)),
    seccompProfile: O(Type.Object({ type: Type.Union([Type.Literal("RuntimeDefault"), Type.Literal("Unconfined"), Type.Literal("Localhost")]), localhostProfile: O(Str) }, strict)),
    appArmorProfile: O(Type.Object({ type: Type.Union([Type.Literal("RuntimeDefault"), Type.Literal("Unconfined"), Type.Literal("Localhost")]), localhostProfile: O(Str) }, strict)),
    seLinuxOptions: O(Type.Object({ user: O(Str), role: O(Str), type: O(Str), level: O(Str) }, strict)),
  },
  strict,
);
const Container = Type.Object(
  {
    name: Dns,
    image: Str,
    command: O(Type.Array(Str)),
    args: O(Type.Array(Str)),
    workingDir: O(Str),
    env: O(Type.Array(Type.Object({ name: Str, value: O(Str) }, strict))),
    resources: O(Type.Object({ limits: O(Type.Record(Str, Quantity)), requests: O(Type.Record(Str, Quantity)) }, strict)),
    readinessProbe: O(Probe),
    livenessProbe: O(Probe),
    lifecycle: O(Type.Object({ postStart: O(Handler), preStop: O(Handler) }, strict)),
    securityContext: O(SecurityContext),
  },
  strict,
);
const PodSecurityContext = Type.Object({ supplementalGroups: O(Type.Array(Int)), runAsUser: O(Int), fsGroup: O(Int) }, strict);
const PodTemplate = (restart: TSchema) =>
  Type.Object(
    {
      metadata: O(Meta),
      spec: Type.Object(
        {
          restartPolicy: O(restart),
          terminationGracePeriodSeconds: O(Int),
          securityContext: O(PodSecurityContext),
          containers: Type.Array(Container, { minItems: 1 }),
        },
        strict,
      ),
    },
    strict,
  );

export const Deployment = Type.Object(
  {
    apiVersion: Type.Literal("apps/v1"),
    kind: Type.Literal("Deployment"),
    metadata: Meta,
    spec: Type.Object(
      {
        replicas: O(Type.Integer({ minimum: 0 })),
        selector: Type.Object({ matchLabels: O(Labels) }, strict),
        strategy: O(
          Type.Object(
            {
              type: Type.Union([Type.Literal("Recreate"), Type.Literal("RollingUpdate")]),
              rollingUpdate: O(Type.Object({ maxSurge: O(IntOrString), maxUnavailable: O(IntOrString) }, strict)),
            },
            strict,
          ),
        ),
        template: PodTemplate(Type.Literal("Always")),
      },
      strict,
    ),
  },
  strict,
);

export const CronJob = Type.Object(
  {
    apiVersion: Type.Literal("batch/v1"),
    kind: Type.Literal("CronJob"),
    metadata: Meta,
    spec: Type.Object(
      {
        schedule: Type.String({ pattern: "^\\S+( \\S+){4}$" }),
        timeZone: O(Str),
        concurrencyPolicy: O(Type.Union([Type.Literal("Allow"), Type.Literal("Forbid"), Type.Literal("Replace")])),
        jobTemplate: Type.Object(
          { spec: Type.Object({ backoffLimit: O(Int), template: PodTemplate(Type.Union([Type.Literal("OnFailure"), Type.Literal("Never")])) }, strict) },
          strict,
        ),
      },
      strict,
    ),
  },
  strict,
);

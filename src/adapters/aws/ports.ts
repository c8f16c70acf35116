import type { PolicyDocument } from "../../policies/document.ts";

/** Narrow, SDK-free views of the AWS APIs the agent uses. Only this folder's adapters import the SDK. */

export interface CallerIdentity {
  account: string;
  arn: string;
  partition: string;
}

export interface StsPort {
  getCallerIdentity(): Promise<CallerIdentity>;
}

export interface RoleInfo {
  name: string;
  arn: string;
  path: string;
  trustPolicy: PolicyDocument;
  tags: Record<string, string>;
  permissionsBoundaryArn?: string;
}

export interface CreateRoleInput {
  name: string;
  path: string;
  trustPolicy: PolicyDocument;
  tags: Record<string, string>;
  description: string;
  permissionsBoundaryArn?: string;
}

export interface IamPort {
  /** undefined when the role does not exist. */
  getRole(name: string): Promise<RoleInfo | undefined>;
  createRole(input: CreateRoleInput): Promise<RoleInfo>;
  updateTrustPolicy(roleName: string, document: PolicyDocument): Promise<void>;
  tagRole(roleName: string, tags: Record<string, string>): Promise<void>;
  /** Every page. */
  listAttachedPolicyArns(roleName: string): Promise<string[]>;
  attachPolicy(roleName: string, policyArn: string): Promise<void>;
  detachPolicy(roleName: string, policyArn: string): Promise<void>;
  /** Every page. */
  listInlinePolicyNames(roleName: string): Promise<string[]>;
  /** undefined when the inline policy does not exist. */
  getInlinePolicy(roleName: string, policyName: string): Promise<PolicyDocument | undefined>;
  putInlinePolicy(roleName: string, policyName: string, document: PolicyDocument): Promise<void>;
  deleteInlinePolicy(roleName: string, policyName: string): Promise<void>;
  /** Whether a managed policy (e.g. a permissions boundary) exists: false when IAM does not know the ARN. */
  policyExists(policyArn: string): Promise<boolean>;
}

export interface ClusterInfo {
  name: string;
  arn: string;
  status: string;
}

export interface ContainerInstanceInfo {
  arn: string;
  ec2InstanceId?: string;
  status: string;
  agentConnected: boolean;
  runningTasksCount: number;
  pendingTasksCount: number;
}

export interface EcsPort {
  /** undefined when ECS does not know the name; a deleted cluster comes back with status INACTIVE. */
  describeCluster(name: string): Promise<ClusterInfo | undefined>;
  createCluster(name: string, tags: Record<string, string>): Promise<ClusterInfo>;
  /** The names of the region's clusters, every page. */
  listClusterNames(): Promise<string[]>;
  describeContainerInstances(cluster: string, arns: string[]): Promise<ContainerInstanceInfo[]>;
  deregisterContainerInstance(cluster: string, arn: string, force: boolean): Promise<void>;
  setContainerInstanceDraining(cluster: string, arn: string): Promise<void>;
  /** Back to ACTIVE after a drain (field notes §10.14). */
  setContainerInstanceActive(cluster: string, arn: string): Promise<void>;
}

export interface CreateActivationInput {
  iamRoleName: string;
  registrationLimit: number;
  expiresAt: Date;
  defaultInstanceName?: string;
  description?: string;
  tags: Record<string, string>;
}

export interface ActivationInfo {
  id: string;
  iamRoleName: string;
  registrationLimit: number;
  registrationsCount: number;
  expiresAt: Date;
  expired: boolean;
  createdAt?: Date;
  description?: string;
  defaultInstanceName?: string;
  tags: Record<string, string>;
}

export interface ManagedInstanceInfo {
  id: string;
  pingStatus: string;
  lastPingAt?: Date;
  agentVersion?: string;
  iamRole?: string;
}

export interface SsmPort {
  /** The returned code is a secret: callers register it with the redactor before anything else. */
  createActivation(input: CreateActivationInput): Promise<{ activationId: string; activationCode: string }>;
  /** Every page. */
  listActivations(): Promise<ActivationInfo[]>;
  /** undefined when SSM knows no activation with this id (in this account and region). */
  describeActivation(id: string): Promise<ActivationInfo | undefined>;
  deleteActivation(id: string): Promise<void>;
  describeManagedInstance(id: string): Promise<ManagedInstanceInfo | undefined>;
  deregisterManagedInstance(id: string): Promise<void>;
}

export interface AwsPorts {
  sts: StsPort;
  iam: IamPort;
  ecs: EcsPort;
  ssm: SsmPort;
}

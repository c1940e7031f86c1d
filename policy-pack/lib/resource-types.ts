// Pulumi resource type tokens the GCP rules read.

export const CLUSTER = "gcp:container/cluster:Cluster";

export const NODE_POOL = "gcp:container/nodePool:NodePool";

export const BUCKET = "gcp:storage/bucket:Bucket";

export const BUCKET_IAM_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember";

export const BUCKET_IAM_BINDING = "gcp:storage/bucketIAMBinding:BucketIAMBinding";

export const BUCKET_IAM_POLICY = "gcp:storage/bucketIAMPolicy:BucketIAMPolicy";

export const BUCKET_ACCESS_CONTROL = "gcp:storage/bucketAccessControl:BucketAccessControl";

export const FIREWALL = "gcp:compute/firewall:Firewall";
